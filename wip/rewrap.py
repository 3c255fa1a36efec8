"""Re-wrap prose lines over 120 columns that the move made longer (comments and docstring text)."""
import re, subprocess, pathlib
out = subprocess.run([".venv/bin/ruff", "check", ".", "--select", "E501", "--output-format", "concise"],
                     capture_output=True, text=True).stdout
todo = {}
for line in out.splitlines():
    m = re.match(r"(.+?):(\d+):\d+: E501", line)
    if m and not m.group(1).startswith("wip"):
        todo.setdefault(m.group(1), []).append(int(m.group(2)))
for path, numbers in todo.items():
    p = pathlib.Path(path); lines = p.read_text().split("\n")
    for n in sorted(numbers, reverse=True):
        line = lines[n - 1]
        stripped = line.lstrip(); indent = line[:len(line) - len(stripped)]
        if '"' in line.split("#")[0] and not stripped.startswith(('"""', '#')) and "#" not in line:
            if not (stripped[0].isalpha() or stripped.startswith(("(", "`"))):
                print("skip", path, n); continue
        if "  # " in line and not stripped.startswith("#"):
            code, comment = line.split("  # ", 1)
            lines[n - 1:n] = [indent + "# " + comment, code]
            continue
        cut = line.rfind(" ", 0, 118)
        prefix = indent + ("# " if stripped.startswith("#") else "")
        lines[n - 1:n] = [line[:cut], prefix + line[cut + 1:]]
    p.write_text("\n".join(lines))
