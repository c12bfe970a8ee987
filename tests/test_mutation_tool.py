"""tools/mutation_test.py works: cheap checks of the script whose full run (about ten minutes) is
not part of the suite. Its latest report is benchmarks/mutation/REPORT.md."""
import sys

from dlgrade import assignments, authoring

sys.path.insert(0, str(assignments.REPO / "tools"))
import mutation_test  # noqa: E402  (a script in tools/, not a package module)

AID = "gradient_descent"


def test_every_mutant_changes_one_line_inside_a_solution_region():
    a = assignments.get(AID)
    source = (a.solution_dir / a.module_file).read_text()
    inside = {n for r in authoring.regions(source) for n in range(r.begin + 1, r.end)}
    found = list(mutation_test.mutants(AID))
    assert len(found) > 100
    for _, _, line, before, mutated in found:
        assert line in inside and mutated != source
        assert source.splitlines()[line - 1] == before


def test_the_graders_kill_a_mutant_and_spare_the_reference():
    a = assignments.get(AID)
    source = (a.solution_dir / a.module_file).read_text()
    mutant = next(m for _, _, _, before, m in mutation_test.mutants(AID) if "1.0 / (1.0 + e)" in before)
    (reference, _), (status, by) = mutation_test.run_graders(AID, [source, mutant])
    assert reference == "survived"
    assert status == "killed" and by


def test_every_equivalent_mutant_on_record_names_a_line_of_a_solution_region():
    """A row of docs/equivalent-mutants.md whose line left the solution is stale."""
    rows = mutation_test.equivalents()
    assert {aid for aid, _, _ in rows} <= set(assignments.all_ids()) and len(rows) >= 30
    for aid, before, after in rows:
        a = assignments.get(aid)
        source = (a.solution_dir / a.module_file).read_text()
        lines = source.splitlines()
        inside = {lines[n - 1].strip() for r in authoring.regions(source) for n in range(r.begin + 1, r.end)}
        assert before in inside, f"stale row in docs/equivalent-mutants.md: {aid}: {before}"
        assert after != before


def test_the_tracked_reports_are_rewritten_only_when_asked(tmp_path, monkeypatch):
    reports, cache = tmp_path / "reports", tmp_path / "cache"
    monkeypatch.setattr(mutation_test, "REPORTS", reports)
    monkeypatch.setattr(mutation_test, "CACHE", cache)
    monkeypatch.setattr(mutation_test, "mutants", lambda aid: iter(()))  # no grading: only the report
    assert mutation_test.main([AID]) == 0
    assert not reports.exists()
    assert mutation_test.main([AID, "--update-report"]) == 0
    assert sorted(p.name for p in reports.iterdir()) == ["REPORT.md", f"{AID}.md"]
