"""Keywords: normalised text, and pinyin read by words (银行 is yin hang), full and initials."""

from __future__ import annotations

import pytest

from lifecircle.errors import ValidationError
from lifecircle.services.residents.keywords import is_latin, keyword, normalise, pinyin_keys


def test_pinyin_keys_are_full_and_initials_of_the_chinese() -> None:
    assert pinyin_keys("7-Eleven便利店") == "7-elevenbianlidian\nbld"
    assert pinyin_keys("中国银行 ATM") == "zhongguoyinhangatm\nzgyh"  # 行 of 银行 is hang
    assert pinyin_keys("Lidl") == ""  # nothing Chinese, nothing to add


def test_keywords_are_normalised_and_bounded() -> None:
    assert normalise("  Ｃｏｎｖｅｎｉｅｎｃｅ Store ") == "conveniencestore"
    assert keyword("bian li dian") == "bianlidian"
    assert keyword("   ") is None
    assert keyword(None) is None
    assert is_latin("bld")
    assert not is_latin("便利")
    assert not is_latin("7-eleven")
    with pytest.raises(ValidationError, match="q: a keyword is at most 50"):
        keyword("店" * 51)
