"""What the bot writes beside the page: the summary subpage and its JSON."""
