from __future__ import annotations

from collections.abc import Sequence

import pytest

from cstrainer.domain.item_stats import ItemFlag, ItemResponse, analyse_items

# Twelve attempts with totals 0.10, 0.20, ... 0.95 (attempt i has total TOTALS[i]).
TOTALS = [0.10, 0.20, 0.30, 0.40, 0.50, 0.55, 0.60, 0.65, 0.70, 0.80, 0.90, 0.95]


def rows(
    key: str, fractions: Sequence[float], chosen: Sequence[tuple[int, ...]] | None = None
) -> list[ItemResponse]:
    chosen = chosen or [()] * len(fractions)
    return [
        ItemResponse(attempt_id=i, total_fraction=TOTALS[i], question_key=key, fraction=f, chosen=c)
        for i, (f, c) in enumerate(zip(fractions, chosen, strict=True))
    ]


def test_hand_computed_fixture() -> None:
    # "good": the better half gets it right.
    good = rows("good", [0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1],
                chosen=[(2,), (2,), (3,), (1,), (2,), (1,), (1,), (1,), (1,), (1,), (1,), (1,)])  # fmt: skip
    # "inverse": high scorers get it wrong.
    inverse = rows("inverse", [1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0])
    stats = analyse_items(good + inverse)

    g = stats["good"]
    assert g.n == 12
    assert g.facility == pytest.approx(8 / 12)
    # group = round(0.27 * 12) = 3: upper = attempts 9, 10, 11 (all right), lower = 0, 1, 2 (all wrong)
    assert g.discrimination == pytest.approx(1.0)
    assert g.option_counts == {1: 8, 2: 3, 3: 1}
    assert g.flags == ()

    inv = stats["inverse"]
    assert inv.facility == pytest.approx(5 / 12)
    assert inv.discrimination == pytest.approx(0 / 3 - 3 / 3)
    assert inv.flags == (ItemFlag.NEGATIVE_DISCRIMINATION,)
    assert inv.flag_labels == ("区分度为负：高分者反而答错更多",)
    assert list(stats) == ["good", "inverse"]


def test_partial_fractions_and_group_means() -> None:
    fractions = [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 0.5, 1.0]
    s = analyse_items(rows("q", fractions))["q"]
    assert s.facility == pytest.approx(sum(fractions) / 12)
    # upper (9, 10, 11): (1 + 0.5 + 1) / 3; lower (0, 1, 2): (0 + 0.5 + 0.5) / 3
    assert s.discrimination == pytest.approx(2.5 / 3 - 1 / 3)


def test_too_hard_and_too_easy() -> None:
    hard = analyse_items(rows("hard", [0] * 11 + [1]))["hard"]
    easy = analyse_items(rows("easy", [1] * 12))["easy"]
    assert hard.facility == pytest.approx(1 / 12)
    assert ItemFlag.TOO_HARD in hard.flags and hard.flags[0].label == "太难"
    assert easy.flags == (ItemFlag.TOO_EASY,)
    assert easy.discrimination == 0.0


def test_few_attempts() -> None:
    few = [ItemResponse(i, TOTALS[i], "q", 0.0) for i in range(9)]
    s = analyse_items(few)["q"]
    assert s.n == 9
    assert s.discrimination is None  # fewer than 10 attempts
    assert s.flags == (ItemFlag.TOO_HARD,)
    tiny = analyse_items([ItemResponse(1, 0.5, "q", 0.0)])["q"]
    assert tiny.flags == ()  # one miss does not make a question too hard


def test_ties_and_duplicates() -> None:
    # all totals equal: the attempt id decides the groups, reproducibly
    tied = [ItemResponse(i, 0.5, "q", 1.0 if i >= 6 else 0.0) for i in range(12)]
    assert analyse_items(tied)["q"].discrimination == pytest.approx(1.0)
    assert analyse_items(list(reversed(tied)))["q"].discrimination == pytest.approx(1.0)
    # the same attempt reported twice counts once (last wins)
    dup = [ItemResponse("a", 0.5, "q", 0.0), ItemResponse("a", 0.5, "q", 1.0)]
    s = analyse_items(dup)["q"]
    assert s.n == 1 and s.facility == 1.0


def test_empty_input() -> None:
    assert analyse_items([]) == {}
