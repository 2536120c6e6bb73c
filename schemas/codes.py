"""bk-sops's result codes (gcloud/err_code.py), named once for the mock and the contract suite.

`DOCUMENTED_CODES` are the codes an error answer may carry; the envelope schema lists the same
numbers (`common/envelope` `$defs.error_code`), and a test holds the two together.
"""

from __future__ import annotations

from typing import Final

SUCCESS: Final = 0
REQUEST_PARAM_INVALID: Final = 3540000
REQUEST_FORBIDDEN_INVALID: Final = 3540100
CONTENT_NOT_EXIST: Final = 3540400
INVALID_OPERATION: Final = 3545000
OPERATION_FAIL: Final = 3545100
VALIDATION_ERROR: Final = 3546100
UNKNOWN_ERROR: Final = 3599999

DOCUMENTED_CODES: Final = frozenset(
    {
        REQUEST_PARAM_INVALID,
        REQUEST_FORBIDDEN_INVALID,
        CONTENT_NOT_EXIST,
        INVALID_OPERATION,
        OPERATION_FAIL,
        VALIDATION_ERROR,
        UNKNOWN_ERROR,
    }
)
