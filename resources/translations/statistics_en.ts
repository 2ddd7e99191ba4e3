<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>Sections</name>
    <message>
        <source>Thống kê</source>
        <translation>Statistics</translation>
    </message>
</context>
<context>
    <name>Statistics</name>
    <message>
        <source>Tháng</source>
        <translation>Month</translation>
    </message>
    <message>
        <source>Quý</source>
        <translation>Quarter</translation>
    </message>
    <message>
        <source>Năm</source>
        <translation>Year</translation>
    </message>
    <message>
        <source>Khoảng ngày</source>
        <translation>Date range</translation>
    </message>
    <message>
        <source>Cán bộ</source>
        <translation>Officer</translation>
    </message>
    <message>
        <source>Hồ sơ TTHC</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <source>Tố giác, tin báo</source>
        <translation>Crime reports</translation>
    </message>
    <message>
        <source>Đơn thư</source>
        <translation>Petitions</translation>
    </message>
    <message>
        <source>Hòa giải</source>
        <translation>Mediation</translation>
    </message>
    <message>
        <source>Vi phạm HC</source>
        <translation>Violations</translation>
    </message>
    <message>
        <source>Tổng</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Hồ sơ TTHC tiếp nhận</source>
        <translation>Dossiers received</translation>
    </message>
    <message>
        <source>— trong đó trực tuyến</source>
        <translation>— of which online</translation>
    </message>
    <message>
        <source>Hồ sơ đã giải quyết</source>
        <translation>Dossiers resolved</translation>
    </message>
    <message>
        <source>— trước hạn</source>
        <translation>— early</translation>
    </message>
    <message>
        <source>— đúng hạn</source>
        <translation>— on time</translation>
    </message>
    <message>
        <source>— quá hạn</source>
        <translation>— late</translation>
    </message>
    <message>
        <source>Tỉ lệ giải quyết đúng hạn (%)</source>
        <translation>On-time rate (%)</translation>
    </message>
    <message>
        <source>Hồ sơ tồn quá hạn cuối kỳ</source>
        <translation>Dossiers overdue at the close</translation>
    </message>
    <message>
        <source>Hồ sơ chờ bổ sung cuối kỳ</source>
        <translation>Dossiers waiting for a supplement at the close</translation>
    </message>
    <message>
        <source>Tố giác, tin báo tiếp nhận</source>
        <translation>Crime reports received</translation>
    </message>
    <message>
        <source>Tố giác, tin báo đã chuyển, xử lý</source>
        <translation>Crime reports transferred or handled</translation>
    </message>
    <message>
        <source>— quá thời hạn</source>
        <translation>— late</translation>
    </message>
    <message>
        <source>Tỉ lệ chuyển, xử lý đúng hạn (%)</source>
        <translation>Crime reports on-time rate (%)</translation>
    </message>
    <message>
        <source>Tố giác, tin báo tồn quá hạn cuối kỳ</source>
        <translation>Crime reports overdue at the close</translation>
    </message>
    <message>
        <source>Đơn thư tiếp nhận</source>
        <translation>Petitions received</translation>
    </message>
    <message>
        <source>Vụ việc hòa giải tiếp nhận</source>
        <translation>Mediation cases received</translation>
    </message>
    <message>
        <source>Vi phạm hành chính lập biên bản</source>
        <translation>Violations recorded</translation>
    </message>
    <message>
        <source>Không ghi được tệp</source>
        <translation>Could not write the file</translation>
    </message>
    <message>
        <source>Không gửi được báo cáo</source>
        <translation>Could not submit the report</translation>
    </message>
    <message>
        <source>Đã ghi %1</source>
        <translation>Written to %1</translation>
    </message>
    <message>
        <source>Tháng %1 – %2</source>
        <translation>Months %1 – %2</translation>
    </message>
</context>
<context>
    <name>StatisticsView</name>
    <message>
        <source>Đang tính số liệu…</source>
        <translation>Computing the figures…</translation>
    </message>
    <message>
        <source>Không tính được số liệu: %1</source>
        <translation>Could not compute the figures: %1</translation>
    </message>
    <message>
        <source>Kỳ %1 so với kỳ trước (%2)</source>
        <translation>%1 against the previous period (%2)</translation>
    </message>
    <message>
        <source>Chỉ tiêu</source>
        <translation>Figure</translation>
    </message>
    <message>
        <source>Tăng/giảm</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Tỉ lệ đúng hạn 12 tháng (%)</source>
        <translation>On-time rate, last 12 months (%)</translation>
    </message>
    <message>
        <source>(không rõ)</source>
        <translation>(unknown)</translation>
    </message>
    <message>
        <source>Việc đang quá hạn theo cán bộ (%1 việc)</source>
        <translation>Overdue now, by officer (%1 matters)</translation>
    </message>
    <message>
        <source>Kỳ %1 chưa kết thúc (đến hết ngày %3): số liệu tính đến %4, tồn tính tại thời điểm này.</source>
        <translation>Period %1 has not ended (it runs to %3): figures as of %4, pending counted now.</translation>
    </message>
    <message>
        <source>%1 (đến nay)</source>
        <translation>%1 (to date)</translation>
    </message>
    <message>
        <source>Số liệu kỳ %1, từ %2 đến %3; tồn tính đến 00:00 ngày %4.</source>
        <translation>Figures of %1, %2 to %3; pending as of 00:00 on %4.</translation>
    </message>
    <message>
        <source>Kỳ chưa kết thúc: gửi báo cáo khi kỳ đã kết thúc.</source>
        <translation>The period has not ended: submit its report once it has.</translation>
    </message>
    <message>
        <source>Chưa gửi báo cáo kỳ này lên tỉnh.</source>
        <translation>This period&apos;s report has not been submitted.</translation>
    </message>
    <message>
        <source>tỉnh đã nhận</source>
        <translation>received by the province</translation>
    </message>
    <message>
        <source>tỉnh từ chối, xem mục Đồng bộ</source>
        <translation>refused by the province, see Sync</translation>
    </message>
    <message>
        <source>xung đột, xem mục Đồng bộ</source>
        <translation>in conflict, see Sync</translation>
    </message>
    <message>
        <source>chờ đồng bộ</source>
        <translation>waiting for sync</translation>
    </message>
    <message>
        <source>Đã gửi báo cáo kỳ này lúc %1 (%2).</source>
        <translation>This period&apos;s report was submitted at %1 (%2).</translation>
    </message>
    <message>
        <source>Quý %1/%2</source>
        <translation>Q%1/%2</translation>
    </message>
    <message>
        <source>Xuất số liệu</source>
        <translation>Export the figures</translation>
    </message>
    <message>
        <source>mã</source>
        <translation>code</translation>
    </message>
    <message>
        <source>Gửi báo cáo lên tỉnh</source>
        <translation>Submit to the province</translation>
    </message>
    <message>
        <source>Gửi báo cáo thống kê kỳ %1 lên Công an tỉnh? Báo cáo được gửi ở lần đồng bộ tới; số liệu tỉnh tính lại từ hồ sơ sẽ được đối chiếu với báo cáo.</source>
        <translation>Submit the statistics report of %1 to the provincial police? It is sent with the next sync; the province recomputes the figures from the records and checks them against the report.</translation>
    </message>
    <message>
        <source>Đã ghi báo cáo kỳ %1; báo cáo sẽ được gửi lên tỉnh khi đồng bộ.</source>
        <translation>Report of %1 recorded; the next sync sends it to the province.</translation>
    </message>
    <message>
        <source>Tháng</source>
        <translation>Month</translation>
    </message>
    <message>
        <source>Quý</source>
        <translation>Quarter</translation>
    </message>
    <message>
        <source>Năm</source>
        <translation>Year</translation>
    </message>
    <message>
        <source>Từ ngày</source>
        <translation>From</translation>
    </message>
    <message>
        <source>Đến ngày</source>
        <translation>To</translation>
    </message>
    <message>
        <source>Người lập biểu:</source>
        <translation>Prepared by:</translation>
    </message>
    <message>
        <source>họ tên, in trên báo cáo</source>
        <translation>full name, printed on the report</translation>
    </message>
    <message>
        <source>Xuất CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>Xuất Excel…</source>
        <translation>Export Excel…</translation>
    </message>
    <message>
        <source>In báo cáo kỳ…</source>
        <translation>Print period report…</translation>
    </message>
    <message>
        <source>Số liệu kỳ này so với kỳ trước</source>
        <translation>This period against the previous one</translation>
    </message>
    <message>
        <source>Tỉ lệ giải quyết đúng hạn</source>
        <translation>On-time rate</translation>
    </message>
    <message>
        <source>Việc đang quá hạn theo cán bộ</source>
        <translation>Overdue now, by officer</translation>
    </message>
    <message>
        <source>Kỳ này</source>
        <translation>This period</translation>
    </message>
    <message>
        <source>Kỳ trước</source>
        <translation>Previous period</translation>
    </message>
</context>
</TS>
