"""What the bot changes on a page: unsigned tags and collapsible question boxes."""
