"""The template context: the plan model in the words its documents print — page 1, the labels
of the document's language, dates and numbers, the orientation's sections, progress on each
measure, safety and the payer's summary. Plain data out, for every writer alike."""
