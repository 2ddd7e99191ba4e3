"""Printed documents: pure builders (``documents``) and the Qt rendering to PDF, preview and printers
(``render``)."""
