def test_a_segment_cycle_through_replace_is_refused(db_path):
    from tests.conftest import fails as refused
    from tests.conftest import ok as run

    run("add", "Anna", "--city", "X")
    run("segment", "save", "a1", "--where", "city = X")
    run("segment", "save", "b1", "--segment", "a1")
    err = refused(2, "segment", "save", "a1", "--segment", "b1", "--replace", db=db_path)
    assert "would include itself" in err
    assert run("list", "--segment", "a1", "-q") == "1\n"
