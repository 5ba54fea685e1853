"""The notebook UI: the job wizard (``wizard.Wizard``) and the side-by-side preview."""
