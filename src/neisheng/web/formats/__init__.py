"""Number formats that override Django's own per language (settings.FORMAT_MODULE_PATH).

Django's Chinese formats group digits by four with no separator ("12345"); officials'
tables, statistical yearbooks and the national standard for numbers in publications
(GB/T 15835) group by three with a comma, as English does. Only what differs is set:
everything else (dates) still comes from Django's locale."""
