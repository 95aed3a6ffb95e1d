#!/usr/bin/env python3
"""Turn a percent-format script (cells marked "# %%", Markdown cells
"# %% [markdown]" with "# " prefixed lines) into a Jupyter notebook.

    python3 examples/python/to_notebook.py cocrni_real.py -o cocrni_real.ipynb

Needs nbformat (Debian python3-nbformat); jupytext does the same when it
is installed."""
import argparse
import sys


def cells(text):
    """(kind, source) of each cell: kind 'code' or 'markdown'."""
    out, kind, buf = [], None, []

    def flush():
        src = "\n".join(buf).strip("\n")
        if kind is not None and src:
            out.append((kind, src))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, buf = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            buf.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind is not None:
            buf.append(line)
    flush()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script")
    ap.add_argument("-o", "--output", required=True, help="the .ipynb to write")
    a = ap.parse_args()
    try:
        import nbformat
    except ImportError:
        sys.exit("to_notebook.py: nbformat is not installed (Debian: python3-nbformat); "
                 "run %s as a script instead" % a.script)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src in cells(open(a.script).read()):
        nb.cells.append(nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src))
    nbformat.validate(nb)
    nbformat.write(nb, a.output)
    print("to_notebook.py: %s: %d cells" % (a.output, len(nb.cells)))


if __name__ == "__main__":
    main()
