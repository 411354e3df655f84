"""Stage 2, check: semantic rules, SMART lint and payer profiles over a validated plan, each
finding at its file:line:col."""
