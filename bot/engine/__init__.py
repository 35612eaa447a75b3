"""Domain services: experiences, polls, feedback, moderation, contacts, deliberation, privacy."""
