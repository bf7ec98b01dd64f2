"""Content Credentials (C2PA) on the pipeline's deliverables: signing, verification, and
the disclosure of what a machine made and what people made."""
