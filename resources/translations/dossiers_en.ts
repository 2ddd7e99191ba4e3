<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>ActionDialog</name>
    <message>
        <source>Giấy tờ cần bổ sung (mỗi dòng một mục)</source>
        <translation>Documents to supplement (one per line)</translation>
    </message>
    <message>
        <source>Hướng dẫn</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <source>Căn cứ pháp lý</source>
        <translation>Legal ground</translation>
    </message>
    <message>
        <source>Lý do từ chối</source>
        <translation>Reason for refusal</translation>
    </message>
    <message>
        <source>Chuyển đến</source>
        <translation>Transfer to</translation>
    </message>
</context>
<context>
    <name>DetailPage</name>
    <message>
        <source>← Danh sách</source>
        <translation>← List</translation>
    </message>
    <message>
        <source>Không tìm thấy hồ sơ</source>
        <translation>Record not found</translation>
    </message>
</context>
<context>
    <name>Dossiers</name>
    <message>
        <source>Quá hạn giải quyết</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>Sắp đến hạn</source>
        <translation>Coming due</translation>
    </message>
    <message>
        <source>hẹn trả đã dời</source>
        <translation>appointment moved</translation>
    </message>
    <message>
        <source>Hẹn trả kết quả hôm nay</source>
        <translation>Result to hand back today</translation>
    </message>
    <message>
        <source>Đến hạn hôm nay</source>
        <translation>Due today</translation>
    </message>
    <message>
        <source>Mã hồ sơ</source>
        <translation>Dossier code</translation>
    </message>
    <message>
        <source>In phiếu tiếp nhận</source>
        <translation>Print receipt</translation>
    </message>
    <message>
        <source>In phiếu bổ sung (CT05)</source>
        <translation>Print supplement request (CT05)</translation>
    </message>
    <message>
        <source>In phiếu từ chối (CT06)</source>
        <translation>Print refusal (CT06)</translation>
    </message>
    <message>
        <source>Mã tra cứu</source>
        <translation>Lookup code</translation>
    </message>
    <message>
        <source>Số phiếu</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Thủ tục</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <source>Trạng thái</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Người nộp</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>Số định danh</source>
        <translation>Personal ID</translation>
    </message>
    <message>
        <source>Số điện thoại</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Tiếp nhận lúc</source>
        <translation>Received at</translation>
    </message>
    <message>
        <source>Thời hạn</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <source>Hẹn trả kết quả</source>
        <translation>Result due</translation>
    </message>
    <message>
        <source>Thời gian còn lại</source>
        <translation>Time left</translation>
    </message>
    <message>
        <source>Hình thức nộp</source>
        <translation>Filed</translation>
    </message>
    <message>
        <source>Nhận kết quả</source>
        <translation>Result delivery</translation>
    </message>
    <message>
        <source>Lệ phí</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>Cán bộ tiếp nhận</source>
        <translation>Receiving officer</translation>
    </message>
    <message>
        <source>Số lần in phiếu</source>
        <translation>Receipt prints</translation>
    </message>
    <message>
        <source>Giấy tờ đã nhận</source>
        <translation>Documents received</translation>
    </message>
    <message>
        <source>Hẹn trả đã dời</source>
        <translation>Appointment moved</translation>
    </message>
    <message>
        <source>phiếu hẹn đã in ghi ngày cũ: báo cho người nộp</source>
        <translation>the printed receipt says the old day: tell the applicant</translation>
    </message>
    <message>
        <source>đồng hồ tạm dừng, chờ công dân bổ sung</source>
        <translation>clock paused for the supplement</translation>
    </message>
    <message>
        <source>Cần bổ sung</source>
        <translation>To be supplemented</translation>
    </message>
    <message>
        <source>Căn cứ từ chối</source>
        <translation>Ground for refusal</translation>
    </message>
    <message>
        <source>Đã chuyển đến</source>
        <translation>Transferred to</translation>
    </message>
    <message>
        <source>Họ, chữ đệm và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Số định danh cá nhân</source>
        <translation>Personal ID number</translation>
    </message>
    <message>
        <source>Ngày sinh</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Nơi thường trú</source>
        <translation>Permanent residence</translation>
    </message>
    <message>
        <source>Nơi tạm trú</source>
        <translation>Temporary residence</translation>
    </message>
    <message>
        <source>Nơi ở hiện tại</source>
        <translation>Current residence</translation>
    </message>
    <message>
        <source>Thư điện tử</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Đang giải quyết</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Quá hạn</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>Chờ bổ sung</source>
        <translation>Waiting for supplement</translation>
    </message>
    <message>
        <source>Có kết quả, chờ trả</source>
        <translation>Result ready</translation>
    </message>
    <message>
        <source>Đã trả / từ chối</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Tất cả</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Hẹn trả</source>
        <translation>Result due</translation>
    </message>
    <message>
        <source>Còn lại</source>
        <translation>Left</translation>
    </message>
</context>
<context>
    <name>DossiersView</name>
    <message>
        <source>Tiếp nhận hồ sơ mới</source>
        <translation>Receive a new dossier</translation>
    </message>
    <message>
        <source>Tìm theo mã hồ sơ, mã tra cứu, họ tên hoặc số định danh</source>
        <translation>Search by dossier code, lookup code, name or personal ID</translation>
    </message>
    <message>
        <source> (hiện %1 hồ sơ đầu; gõ để tìm)</source>
        <translation> (first %1 shown; type to search)</translation>
    </message>
    <message>
        <source>%1 hồ sơ</source>
        <translation>%1 dossiers</translation>
    </message>
</context>
<context>
    <name>IntakePage</name>
    <message>
        <source>Hình thức nộp</source>
        <translation>Filed</translation>
    </message>
    <message>
        <source>Nhận kết quả</source>
        <translation>Result delivery</translation>
    </message>
    <message>
        <source>Lệ phí</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>— Chọn thủ tục —</source>
        <translation>— Choose a procedure —</translation>
    </message>
    <message>
        <source>Tiếp nhận hồ sơ</source>
        <translation>Receive a dossier</translation>
    </message>
    <message>
        <source>Người nộp hồ sơ</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>Tìm nhân khẩu trong sổ (họ tên hoặc số định danh), hoặc nhập người mới bên dưới:</source>
        <translation>Find the resident in the register (name or personal ID), or enter a new person below:</translation>
    </message>
    <message>
        <source>Thủ tục và thành phần hồ sơ</source>
        <translation>Procedure and documents</translation>
    </message>
    <message>
        <source>Thời hạn giải quyết</source>
        <translation>Processing time</translation>
    </message>
    <message>
        <source>Đánh dấu giấy tờ đã nhận, hình thức và số lượng:</source>
        <translation>Tick the documents received, their form and number:</translation>
    </message>
    <message>
        <source>Thêm giấy tờ khác</source>
        <translation>Add another document</translation>
    </message>
    <message>
        <source>Số bộ</source>
        <translation>Sets</translation>
    </message>
    <message>
        <source>tại</source>
        <translation>at</translation>
    </message>
    <message>
        <source>Hồ sơ đầy đủ (in phiếu tiếp nhận và hẹn trả kết quả)</source>
        <translation>Dossier complete (print the receipt with the result date)</translation>
    </message>
    <message>
        <source>Nếu chưa đầy đủ — giấy tờ cần bổ sung (mỗi dòng một mục, in phiếu CT05):</source>
        <translation>If incomplete — documents to supplement (one per line, prints CT05):</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Receive</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Nguyễn Văn A / 0221…</source>
        <translation>Nguyen Van A / 0221…</translation>
    </message>
    <message>
        <source>Tên giấy tờ</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>Hình thức</source>
        <translation>Form</translation>
    </message>
    <message>
        <source>Số lượng</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>Ghi chú</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Người nộp: nhân khẩu %1 (đã có trong sổ)</source>
        <translation>Applicant: resident %1 (already in the register)</translation>
    </message>
</context>
<context>
    <name>PrintPreview</name>
    <message>
        <source>Khổ giấy</source>
        <translation>Paper size</translation>
    </message>
    <message>
        <source>In…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>Lưu PDF…</source>
        <translation>Save PDF…</translation>
    </message>
    <message>
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Lưu PDF</source>
        <translation>Save PDF</translation>
    </message>
    <message>
        <source>Không lưu được</source>
        <translation>Could not save</translation>
    </message>
    <message>
        <source>Xem trước khi in — %1</source>
        <translation>Print preview — %1</translation>
    </message>
</context>
<context>
    <name>Sections</name>
    <message>
        <source>Hồ sơ thủ tục</source>
        <translation>Dossiers</translation>
    </message>
</context>
</TS>
