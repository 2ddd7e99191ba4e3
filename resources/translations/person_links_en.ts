<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>PersonLinks</name>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="69"/>
        <source>Hồ sơ</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="76"/>
        <source>Nộp ngày %1</source>
        <translation>Filed on %1</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="85"/>
        <source>người tố giác</source>
        <translation>reporter</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="86"/>
        <source>người gửi đơn</source>
        <translation>petitioner</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="87"/>
        <location filename="../../station_client/ui/residents/appearances.py" line="89"/>
        <source>người vi phạm</source>
        <translation>violator</translation>
    </message>
    <message>
        <location filename="../../station_client/ui/residents/appearances.py" line="92"/>
        <source>đương sự</source>
        <translation>party</translation>
    </message>
</context>
</TS>
