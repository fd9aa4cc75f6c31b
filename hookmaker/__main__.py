from hookmaker.cli import main

main()
