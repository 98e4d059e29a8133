"""Progress against quota (pure maths), and the editor's digest built from it."""
