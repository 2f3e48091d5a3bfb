"""Prints each Lambda zip's zipped and unzipped size; fails past Lambda's 250 MB unzipped limit."""
import os
import sys
import zipfile

LIMIT = 250 * 1024 * 1024  # Lambda: 250 MB unzipped, including layers
failed = False
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        unzipped = sum(i.file_size for i in z.infolist())
        natives = [i.filename for i in z.infolist() if i.filename.startswith("lib/duckdb_jdbc")]
    zipped = os.path.getsize(path)
    ok = unzipped <= LIMIT
    failed |= not ok
    print(f"lambda zip {os.path.basename(path)}: zipped {zipped / 2**20:.1f} MiB, unzipped {unzipped / 2**20:.1f} MiB "
          f"(limit {LIMIT / 2**20:.0f} MiB) {'OK' if ok else 'TOO LARGE'}; duckdb: {', '.join(natives)}")
sys.exit(1 if failed else 0)
