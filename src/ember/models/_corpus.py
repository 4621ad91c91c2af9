"""A small text written for ember (public domain, CC0) on which the character-level
language model trains when no ``--text`` file is given: plain sentences with repeated words
and patterns, so that a small LSTM learns spelling, spacing and punctuation in seconds."""

TEXT = """\
The lighthouse stood at the end of the long stone pier, and every night the keeper climbed
the one hundred and twelve steps to light the lamp. The sea was grey in the morning and
green at noon, and in the evening it turned the colour of old copper. The keeper kept a
book on the table by the window, and in the book he wrote the weather, the wind and the
ships that passed.

On the first day of the month the wind came from the west, and the waves were small. On the
second day the wind came from the north, and the waves were tall and white. On the third
day there was no wind at all, and the fog lay on the water like a grey blanket. The keeper
rang the bell every minute, and the ships answered with their horns.

The keeper had a cat, a dog and a small garden behind the house. The cat slept on the warm
stones by the lamp. The dog walked with him to the end of the pier and back. In the garden
he grew beans, potatoes, onions and a few red flowers that the wind did not like. When the
storms came, he tied the beans to their sticks and covered the flowers with a sack.

Every week a boat came from the town with bread, oil, letters and news. The boatman was an
old friend. He sat in the kitchen and drank a cup of tea, and he told the keeper what the
town was talking about: the price of fish, the new school, the wedding at the church, the
storm that broke the roof of the market. The keeper listened and nodded, and then he told
the boatman about the ships, the birds and the fog.

In the winter the nights were long, and the lamp burned for fifteen hours. The keeper
cleaned the glass, trimmed the wick and turned the great lens by hand when the clockwork
stopped. He read old books by the light of a candle, and he learned the names of the
stars. He knew the bright star in the north that does not move, the three stars of the
belt, and the red star that rises in the east before the summer.

In the spring the birds came back. They built their nests in the rocks below the tower,
and the air was full of their voices. The keeper counted them and wrote the numbers in his
book: forty gulls, twelve terns, six black birds with red feet, and one tall grey heron
that stood in the shallow water and did not move for an hour.

One night in the autumn a small ship lost its way in the storm. The keeper saw its lights
moving too close to the rocks. He rang the bell, he waved the red lantern, and he fired the
rocket into the sky. The ship turned, slowly at first and then faster, and it found the
channel and the calm water behind the pier. In the morning the captain came to the
lighthouse to say thank you, and he left a bag of oranges on the table.

The keeper was not young, and he knew that one day a new keeper would climb the steps and
light the lamp. He wrote in his book for that keeper: the wind from the west is kind, the
wind from the north is hard, and the fog is the worst of all. Keep the glass clean. Keep
the bell ready. Feed the cat. Walk the dog to the end of the pier and back. Watch the sea,
and the sea will tell you what it is going to do.

And so the days went by, one like the other and each a little different: the wind, the
waves, the birds, the ships, the bread from the town and the light at the end of the pier.
"""
