from django.apps import AppConfig


class WorkflowsTestappConfig(AppConfig):
    name = "tests.workflows.testapp"
    label = "workflows_testapp"
    verbose_name = "Engine test subject"
