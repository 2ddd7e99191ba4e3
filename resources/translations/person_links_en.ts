<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>PersonLinks</name>
    <message>
        <source>Hồ sơ</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <source>Nộp ngày %1</source>
        <translation>Filed on %1</translation>
    </message>
    <message>
        <source>đương sự</source>
        <translation>party</translation>
    </message>
    <message>
        <source>Đang tìm hồ sơ, tin báo…</source>
        <translation>Looking for dossiers and reports…</translation>
    </message>
    <message>
        <source>xử lý ở mục Đồng bộ (Ctrl+6)</source>
        <translation>settle it in Sync (Ctrl+6)</translation>
    </message>
    <message>
        <source>khác với Công an tỉnh ở: %1</source>
        <translation>differs from the province in: %1</translation>
    </message>
</context>
</TS>
