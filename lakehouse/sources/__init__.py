"""The kinds of source a department delivers, one module each, and how a landed file is told.

* :mod:`~lakehouse.sources.detect` — kind (magic bytes, first character) and encoding;
* :mod:`~lakehouse.sources.csv_text` — CSV layout, transcoding, DuckDB's errors explained;
* :mod:`~lakehouse.sources.xlsx` — hostile-zip checks, then python-calamine;
* :mod:`~lakehouse.sources.json_records` — JSON arrays and NDJSON, streaming;
* :mod:`~lakehouse.sources.database` — a table or query from a SQLAlchemy URL, incrementally;
* :mod:`~lakehouse.sources.rows` — Python cells to the UTF-8 CSV standardising reads.
"""

from lakehouse.sources.database import Extract, extract
from lakehouse.sources.detect import Detected, detect

__all__ = ["Detected", "Extract", "detect", "extract"]
