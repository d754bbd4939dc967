"""The bundled demo: county portals served on 127.0.0.1 and the command that runs the pipeline on them."""
