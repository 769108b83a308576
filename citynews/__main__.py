from citynews.cli import main

raise SystemExit(main())
