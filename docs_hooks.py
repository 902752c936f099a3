"""MkDocs hook of the documentation site (mkdocs.yml): links out of docs/ into the repository.

The pages link to files beside them in the repository (README.md, scenarios/, the calibration
file) with relative paths, which work on GitHub and in an editor but name nothing in the built
site. Here each such link becomes the file's repository path in code type, so a strict build
passes and the site shows where the file is, without pointing anywhere outside the repository.
"""

from __future__ import annotations

import posixpath
import re

LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s#]+)(#[^)\s]*)?\)")


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 - the hook's signature
    here = posixpath.dirname(page.file.src_uri)

    def rewrite(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if "://" in target or target.startswith("mailto:"):
            return match.group(0)
        resolved = posixpath.normpath(posixpath.join("docs", here, target))
        if resolved.startswith("docs/"):
            return match.group(0)
        path = resolved + ("/" if target.endswith("/") else "")
        shown = text.strip("`")
        return f"`{path}`" if shown in (path, path.rstrip("/"), posixpath.basename(path.rstrip("/"))) \
            else f"{text} (`{path}` in the repository)"

    return LINK.sub(rewrite, markdown)
