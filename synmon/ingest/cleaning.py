"""Which bytes DuckDB's line reader can take as they are, and how the others are made readable.

Clean content has LF line ends, is UTF-8, and holds no CR, NUL, SOH or STX. In a dirty block,
CRLF becomes LF; lines still unreadable (invalid UTF-8, control bytes, a lone CR) become marker
lines `\\x02<reason>\\x02<escaped raw>`, so they are quarantined with their reason, not lost.
"""

from __future__ import annotations

MARK = b"\x02"
BOM = b"\xef\xbb\xbf"
_BAD_BYTES = (b"\x00", b"\x01", b"\x02")


def is_clean(block: bytes) -> bool:
    """Whether DuckDB's line reader can take the block as is (LF endings, UTF-8, no controls)."""
    return clean_span(block, 0, len(block))


def normalized(block: bytes) -> bytes:
    """The block as DuckDB must see it: CRLF turned into LF (its reader miscounts mixed endings),
    anything still unreadable rewritten as marker lines."""
    if block.count(b"\r") == block.count(b"\r\n"):
        lf = block.replace(b"\r\n", b"\n")
        if is_clean(lf):
            return lf
    return _sanitize(block)


def _line_problem(line: bytes) -> str | None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start})"
    if b"\x00" in line or b"\x01" in line or b"\x02" in line:
        return "control bytes in line"
    if b"\r" in line:
        return "carriage return inside line"
    return None


def _sanitize(block: bytes) -> bytes:
    out = []
    for line in block.split(b"\n")[:-1]:
        line = line.removesuffix(b"\r")
        problem = _line_problem(line)
        if problem is None:
            out.append(line)
            continue
        text = line.decode("utf-8", "backslashreplace")[:65536]
        text = text.replace("\x00", "\\x00").replace("\x01", "\\x01").replace("\x02", "\\x02")
        text = text.replace("\r", "\\r")
        out.append(MARK + problem.encode() + MARK + text.encode("utf-8", "surrogatepass"))
    return b"\n".join(out) + b"\n" if out else b""


def clean_span(chunk: bytes, lo: int, hi: int) -> bool:
    """`is_clean(chunk[lo:hi])` without copying the span (find takes bounds)."""
    if any(chunk.find(b, lo, hi) >= 0 for b in (b"\r", *_BAD_BYTES)):
        return False
    return utf8_span(chunk, lo, hi)


def utf8_span(chunk: bytes, lo: int, hi: int) -> bool:
    """Whether `chunk[lo:hi]` is UTF-8 (isascii takes no bounds, so a chunk that is ASCII as a
    whole settles it)."""
    if chunk.isascii():
        return True
    try:
        str(memoryview(chunk)[lo:hi], "utf-8")
    except UnicodeDecodeError:
        return False
    return True
