"""The spreadsheet round trip: sheets made for editing, reading them back, damage, changes."""
