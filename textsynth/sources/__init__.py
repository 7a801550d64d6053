"""Where sample text comes from: the word list, users' own texts, and the blocklist applied to them."""
