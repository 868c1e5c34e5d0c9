"""``python -m goenv.grading autograde LAB... [-j N]``: parallel autograding (see goenv.grading.autograde)."""

import sys

from .autograde import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "autograde":
        sys.exit("usage: python -m goenv.grading autograde LAB [LAB...] [--student S] [-j N] [--timeout SECONDS] "
                 "[--course DIR]")
    sys.exit(main(args[1:]))
