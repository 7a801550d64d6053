"""Where text and images come from: the word list, genre fillers, font faces."""
