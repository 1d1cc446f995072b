"""A class's grading setup and a teacher's rubric through the SDK, as the class's teacher
(a delegated token with EduAssignments.ReadWriteBasic): an assignment category, grading
categories that total 100 (and the 400 when they do not), and a points rubric read back
typed."""

from types import SimpleNamespace

import pytest
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.education_assignment_points_grade_type import (
    EducationAssignmentPointsGradeType,
)
from msgraph.generated.models.education_assignment_settings import EducationAssignmentSettings
from msgraph.generated.models.education_category import EducationCategory
from msgraph.generated.models.education_grading_category import EducationGradingCategory
from msgraph.generated.models.education_item_body import EducationItemBody
from msgraph.generated.models.education_rubric import EducationRubric
from msgraph.generated.models.education_user_role import EducationUserRole
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.rubric_criterion import RubricCriterion
from msgraph.generated.models.rubric_level import RubricLevel
from msgraph.generated.models.rubric_quality import RubricQuality

import factories as f


@pytest.fixture(scope="module")
def setup(run, graph, server, names, mode):
    """A class with its teacher (linked by the app), and the teacher's SDK client."""

    async def create():
        edu = graph.education
        klass = await edu.classes.post(f.klass(names("Setup", 1)))
        teacher = await edu.users.post(f.user(names("SetupTeacher", 1), EducationUserRole.Teacher))
        by_class = edu.classes.by_education_class_id(klass.id)
        await by_class.teachers.ref.post(f.user_ref(teacher.id))
        await by_class.members.ref.post(f.user_ref(teacher.id))
        return klass, teacher

    klass, teacher = run(create())
    token = server.user_token(teacher.id, ["EduAssignments.ReadWriteBasic"])
    client = server.client(token, mode)
    return SimpleNamespace(klass=klass, teacher=teacher, client=client)


def text(s):
    return EducationItemBody(content=s, content_type=BodyType.Text)


def test_category_created_and_listed(run, setup):
    categories = setup.client.education.classes.by_education_class_id(setup.klass.id).assignment_categories
    created = run(categories.post(EducationCategory(display_name="Homework")))
    assert isinstance(created, EducationCategory) and created.id
    assert created.display_name == "Homework"
    listed = run(categories.get()).value
    assert [c.id for c in listed] == [created.id]
    again = run(categories.by_education_category_id(created.id).get())
    assert again.display_name == "Homework"


def test_grading_categories_must_total_100(run, setup):
    settings = setup.client.education.classes.by_education_class_id(setup.klass.id).assignment_settings

    def weights(*pairs):
        return EducationAssignmentSettings(
            grading_categories=[
                EducationGradingCategory(display_name=name, percentage_weight=w) for name, w in pairs
            ]
        )

    with pytest.raises(ODataError) as caught:
        run(settings.patch(weights(("Homework", 60), ("Tests", 30))))
    assert caught.value.response_status_code == 400
    assert "100" in caught.value.error.message
    assert run(settings.grading_categories.get()).value == []

    result = run(settings.patch(weights(("Homework", 60), ("Tests", 40))))
    assert isinstance(result, EducationAssignmentSettings)
    got = sorted((c.display_name, c.percentage_weight) for c in result.grading_categories)
    assert got == [("Homework", 60), ("Tests", 40)]
    assert all(c.id for c in result.grading_categories)
    listed = run(settings.grading_categories.get()).value
    assert sorted(c.percentage_weight for c in listed) == [40, 60]


def test_rubric_created_and_read_back(run, setup):
    points = lambda n: EducationAssignmentPointsGradeType(max_points=float(n))  # noqa: E731
    rubric = EducationRubric(
        display_name="Essay",
        description=text("How essays are graded"),
        grading=EducationAssignmentPointsGradeType(),
        levels=[
            RubricLevel(display_name="Good", description=text("good"), grading=points(2)),
            RubricLevel(display_name="Poor", description=text("poor"), grading=points(1)),
        ],
        qualities=[
            RubricQuality(
                description=text(name),
                weight=50.0,
                criteria=[RubricCriterion(description=text("yes")), RubricCriterion(description=text("no"))],
            )
            for name in ("Argument", "Spelling")
        ],
    )
    rubrics = setup.client.education.me.rubrics
    created = run(rubrics.post(rubric))
    assert isinstance(created, EducationRubric) and created.id
    assert isinstance(created.grading, EducationAssignmentPointsGradeType)
    assert created.grading.max_points == 100
    assert all(level.level_id for level in created.levels)
    assert all(q.quality_id for q in created.qualities)
    back = run(rubrics.by_education_rubric_id(created.id).get())
    assert isinstance(back, EducationRubric)
    assert [level.display_name for level in back.levels] == ["Good", "Poor"]
    assert back.created_by.user.id == setup.teacher.id
    assert [r.id for r in run(rubrics.get()).value] == [created.id]
