"""Run the assistant on the shipped reports: build the index of seeds/ if it
is missing or stale, then serve the web chat at http://127.0.0.1:7860."""
import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
