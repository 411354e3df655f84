"""The PDF writer: the Word output converted by LibreOffice, bounded in time."""
