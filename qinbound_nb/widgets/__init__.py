"""The notebook UI: the job wizard (``wizard.Wizard``) and the comparison preview."""
