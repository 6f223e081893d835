// Charts are added in a later step; pages work without JavaScript.
