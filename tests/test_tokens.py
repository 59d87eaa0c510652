import base64

import pytest

from meeting import meetings, tokens
from meeting.errors import Forbidden, Invalid, NotFound
from meeting.models import ACTIVE, CLOSED, LIVE, REVOKED


def test_tokens_are_random_unique_and_bound_to_a_category(db, make_meeting):
    meeting = make_meeting(slips=None)
    category = meeting.categories[0]
    made = tokens.generate_tokens(db, meeting, category, 50)
    assert len({t.secret for t in made}) == 50 and len({t.code for t in made}) == 50
    for token in made:
        raw = base64.urlsafe_b64decode(token.secret + "==")
        assert len(raw) * 8 >= 128
        assert len(token.code) == 8 and set(token.code) <= set(tokens.CODE_ALPHABET)
        assert token.category_id == category.id
    assert [t.serial for t in made] == list(range(1, 51))


@pytest.mark.parametrize("count", [0, -1, tokens.MAX_PER_CATEGORY + 1])
def test_generate_count_is_bounded(db, make_meeting, count):
    meeting = make_meeting(slips=None)
    with pytest.raises(Invalid):
        tokens.generate_tokens(db, meeting, meeting.categories[0], count)


def test_typed_codes_are_forgiving_about_case_and_dashes(db, make_meeting):
    meeting = make_meeting(slips=(1,))
    token = tokens.list_tokens(db, meeting)[0]
    typed = " " + tokens.format_code(token.code).lower() + " "
    assert tokens.token_by_code(db, typed) is token
    assert tokens.token_by_secret(db, token.secret) is token
    with pytest.raises(Invalid):
        tokens.token_by_code(db, "ABC")
    with pytest.raises(NotFound):
        tokens.token_by_code(db, "ZZZZ-ZZZZ")
    with pytest.raises(NotFound):
        tokens.token_by_secret(db, "forged-secret")


def test_revoke_and_replace(db, make_meeting):
    meeting = make_meeting(slips=(2,))
    old = tokens.list_tokens(db, meeting)[0]
    new = tokens.revoke_token(db, old, replace=True)
    db.commit()
    assert old.status == REVOKED and new.status == ACTIVE
    assert new.category_id == old.category_id and new.replaces_id == old.id
    assert new.secret != old.secret and new.serial == 3
    with pytest.raises(Forbidden, match="已作废"):
        tokens.token_by_secret(db, old.secret)
    assert tokens.token_by_secret(db, new.secret) is new


def test_sealed_meeting_stops_every_token(db, make_meeting):
    meeting = make_meeting(status=LIVE)
    token = tokens.list_tokens(db, meeting)[0]
    meetings.set_status(db, meeting, CLOSED)
    db.commit()
    with pytest.raises(Forbidden, match="会议已结束"):
        tokens.token_by_secret(db, token.secret)
