"""Run the assistant on the shipped reports: serve the web chat at
http://127.0.0.1:7860 at once, and index seeds/ (and the uploads) in the
background; the page shows how far indexing is and answers as soon as an
index is live."""
import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
