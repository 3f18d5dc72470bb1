from quikapp_charts.cli import main

main()
