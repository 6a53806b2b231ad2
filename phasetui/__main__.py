from phasetui.cli import main

main()
