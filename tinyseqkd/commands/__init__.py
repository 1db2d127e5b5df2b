"""The command line's subcommands, one module each: ``reproduce``, ``train``, ``data``, ``distill``, ``translate``,
``evaluate``, ``prune`` (its sweep's table in ``prune_sweep.py``), ``quickstart``.

Each module has ``add_parser(subparsers)``, which registers the subcommand and its options (``set_defaults(run=
run)``), and ``run(args)``, which does the job by calling the library and prints, writes files and returns the
exit status. ``tinyseqkd/cli.py`` lists the modules; ``options.py`` holds what several commands share
(``--threads``, the corpus options, input and output files). Here and only here does tinyseqkd parse arguments:
the library modules compute and return.

The modules import the library inside ``run`` so that ``tinyseqkd --help`` answers without loading numpy.
"""
