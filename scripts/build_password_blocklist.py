"""Build ``schoolalert/accounts/data/common-passwords.txt`` from zxcvbn's frequency list.

The list is the 30,000 most common passwords that the zxcvbn project compiled from public
password leaks (MIT licence; see NOTICE). It is only needed to regenerate the file:

    .venv/bin/pip install zxcvbn==4.5.0 && .venv/bin/python scripts/build_password_blocklist.py
"""

from __future__ import annotations

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

TARGET = Path(__file__).resolve().parent.parent / "schoolalert/accounts/data/common-passwords.txt"


def main() -> None:
    words = sorted({word.strip().lower() for word in FREQUENCY_LISTS["passwords"] if word.strip()})
    header = "# Common passwords (zxcvbn 4.5.0 frequency list, MIT licence). One per line.\n"
    TARGET.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} passwords to {TARGET}")


if __name__ == "__main__":
    main()
