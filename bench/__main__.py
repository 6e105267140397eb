"""``python -m bench``: run the benchmark suite (see ``bench.cli``)."""

from bench.cli import main

raise SystemExit(main())
