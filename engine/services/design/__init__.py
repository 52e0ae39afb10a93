"""What designers and administrators deploy: process definitions, procedures, calendars."""
