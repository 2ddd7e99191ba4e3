<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>PersonLinks</name>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="71"/>
        <source>Hồ sơ</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="78"/>
        <source>Nộp ngày %1</source>
        <translation>Filed on %1</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="87"/>
        <source>người tố giác</source>
        <translation>reporter</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="88"/>
        <source>người gửi đơn</source>
        <translation>petitioner</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="89"/>
        <location filename="../../station_client/ui/residents/appearances.py" line="91"/>
        <source>người vi phạm</source>
        <translation>violator</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="94"/>
        <source>đương sự</source>
        <translation>party</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="126"/>
        <source>Đang tìm hồ sơ, tin báo…</source>
        <translation>Looking for dossiers and reports…</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="134"/>
        <source>xử lý ở mục Đồng bộ (Ctrl+6)</source>
        <translation>settle it in Sync (Ctrl+6)</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="137"/>
        <source>khác với Công an tỉnh ở: %1</source>
        <translation>differs from the province in: %1</translation>
    </message>
</context>
</TS>
