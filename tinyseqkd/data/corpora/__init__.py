"""Corpora shipped inside tinyseqkd, as data files beside this module (read them with :mod:`tinyseqkd.data.embedded`).

``bible-es-en.tsv.gz`` holds 31k Bible verses in Spanish (Reina-Valera 1909) and in two English translations (the
World English Bible and the King James Version); ``bible-es-en.README`` tells where they come from and how
``scripts/bible_es_en/build.py`` (in a checkout, not installed) rebuilds the file byte for byte.
"""
