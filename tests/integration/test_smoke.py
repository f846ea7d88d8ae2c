from tests.builders import PIN, certified_teacher


def test_a_certified_teacher_is_recorded_as_events(registry):
    _prog, _enrolment, certificate = certified_teacher(registry)
    assert certificate["status"] == "valid"
    assert registry.teacher_id_for_pin(PIN) is not None
    assert registry.max_position() >= 6
