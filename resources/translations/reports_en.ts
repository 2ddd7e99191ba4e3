<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>ActionDialog</name>
    <message>
        <source>Đồng ý</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>DetailPage</name>
    <message>
        <source>Không tìm thấy hồ sơ</source>
        <translation>Record not found</translation>
    </message>
    <message>
        <source>Người tố giác giấu tên</source>
        <translation>Anonymous reporter</translation>
    </message>
    <message>
        <source>Báo kết quả cho người tố giác</source>
        <translation>Tell the reporter the outcome</translation>
    </message>
    <message>
        <source>Hạn</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Thời hạn</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <source>KHẨN CẤP</source>
        <translation>URGENT</translation>
    </message>
    <message>
        <source>In biên bản tiếp nhận</source>
        <translation>Print the intake record</translation>
    </message>
    <message>
        <source>In thông báo cho người tố giác</source>
        <translation>Print the notice to the reporter</translation>
    </message>
    <message>
        <source>In văn bản hòa giải thành</source>
        <translation>Print the agreement</translation>
    </message>
    <message>
        <source>← Sổ</source>
        <translation>← Register</translation>
    </message>
</context>
<context>
    <name>IntakePage</name>
    <message>
        <source>Hạn chuyển cơ quan điều tra</source>
        <translation>Transfer to the investigators by</translation>
    </message>
    <message>
        <source>Hạn phân loại đơn</source>
        <translation>Classify by</translation>
    </message>
    <message>
        <source>Hạn ra quyết định xử phạt</source>
        <translation>Sanction decision due by</translation>
    </message>
    <message>
        <source>thời hạn chưa được Công an tỉnh xác nhận</source>
        <translation>time limit not yet confirmed by the province</translation>
    </message>
    <message>
        <source>Lưu và vào sổ</source>
        <translation>Save and register</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>PartiesEditor</name>
    <message>
        <source>Vai trò</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Họ tên / đặc điểm</source>
        <translation>Name / description</translation>
    </message>
    <message>
        <source>Năm sinh</source>
        <translation>Year of birth</translation>
    </message>
    <message>
        <source>Nơi cư trú</source>
        <translation>Residence</translation>
    </message>
    <message>
        <source>Ghi chú</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Tìm nhân khẩu để thêm (họ tên, số định danh)…</source>
        <translation>Find a resident to add (name, personal ID)…</translation>
    </message>
    <message>
        <source>Thêm người</source>
        <translation>Add person</translation>
    </message>
    <message>
        <source>Bỏ dòng</source>
        <translation>Remove row</translation>
    </message>
</context>
<context>
    <name>PersonLinks</name>
    <message>
        <source>người tố giác</source>
        <translation>reporter</translation>
    </message>
    <message>
        <source>người gửi đơn</source>
        <translation>petitioner</translation>
    </message>
    <message>
        <source>người vi phạm</source>
        <translation>violator</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <source>%1 mục</source>
        <translation>%1 entries</translation>
    </message>
    <message>
        <source>In sổ theo thời gian</source>
        <translation>Print the register for a period</translation>
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
        <source>Xem trước</source>
        <translation>Preview</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>In sổ…</source>
        <translation>Print register…</translation>
    </message>
    <message>
        <source>Tìm theo số, họ tên, nội dung (gõ có dấu hoặc không dấu)</source>
        <translation>Search by number, name or content (with or without diacritics)</translation>
    </message>
    <message>
        <source>Năm của sổ (khi xem tất cả)</source>
        <translation>Register year (when showing all)</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <source>Báo kết quả cho người tố giác</source>
        <translation>Tell the reporter the outcome</translation>
    </message>
    <message>
        <source>Chuyển tố giác, tin báo</source>
        <translation>Transfer the crime report</translation>
    </message>
    <message>
        <source>Xử lý đơn</source>
        <translation>Handle the petition</translation>
    </message>
    <message>
        <source>Theo dõi thực hiện hòa giải</source>
        <translation>Follow up the mediation agreement</translation>
    </message>
    <message>
        <source>Ra quyết định xử phạt / xử lý tang vật</source>
        <translation>Decide the sanction / the items held</translation>
    </message>
    <message>
        <source>Tố giác, tin báo</source>
        <translation>Crime reports</translation>
    </message>
    <message>
        <source>KHẨN CẤP</source>
        <translation>URGENT</translation>
    </message>
    <message>
        <source>Số</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Có</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>Không</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Năm sinh</source>
        <translation>Year of birth</translation>
    </message>
    <message>
        <source>Nơi cư trú</source>
        <translation>Residence</translation>
    </message>
    <message>
        <source>Ghi chú</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Nội dung kiểm tra sơ bộ</source>
        <translation>Preliminary check</translation>
    </message>
    <message>
        <source>Cơ quan nhận</source>
        <translation>Receiving agency</translation>
    </message>
    <message>
        <source>Số văn bản chuyển</source>
        <translation>Transfer document no.</translation>
    </message>
    <message>
        <source>Lý do kết thúc</source>
        <translation>Reason for closing</translation>
    </message>
    <message>
        <source>Khẩn cấp</source>
        <translation>Urgent</translation>
    </message>
    <message>
        <source>Lý do khẩn cấp</source>
        <translation>Reason for urgency</translation>
    </message>
    <message>
        <source>Xã vùng sâu, vùng xa, miền núi, hải đảo</source>
        <translation>Remote, mountain or island commune</translation>
    </message>
    <message>
        <source>Lý do điều chỉnh</source>
        <translation>Reason for the override</translation>
    </message>
    <message>
        <source>Nội dung thông báo</source>
        <translation>Notice content</translation>
    </message>
    <message>
        <source>Hình thức thông báo</source>
        <translation>Notice method</translation>
    </message>
    <message>
        <source>Mức độ phức tạp</source>
        <translation>Complexity</translation>
    </message>
    <message>
        <source>Nơi chuyển đơn</source>
        <translation>Forwarded to</translation>
    </message>
    <message>
        <source>Lý do không thụ lý</source>
        <translation>Reason for not accepting</translation>
    </message>
    <message>
        <source>Kết quả giải quyết</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>Diễn biến buổi hòa giải</source>
        <translation>Course of the session</translation>
    </message>
    <message>
        <source>Địa điểm</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>Hòa giải viên</source>
        <translation>Mediators</translation>
    </message>
    <message>
        <source>Nội dung thỏa thuận</source>
        <translation>Agreement</translation>
    </message>
    <message>
        <source>Ngày theo dõi thực hiện</source>
        <translation>Follow-up date</translation>
    </message>
    <message>
        <source>Lý do hòa giải không thành</source>
        <translation>Why mediation failed</translation>
    </message>
    <message>
        <source>Hướng dẫn các bên đến</source>
        <translation>Parties referred to</translation>
    </message>
    <message>
        <source>Kết quả theo dõi</source>
        <translation>Follow-up result</translation>
    </message>
    <message>
        <source>Tình trạng thực hiện</source>
        <translation>Fulfilment</translation>
    </message>
    <message>
        <source>Ngày theo dõi tiếp</source>
        <translation>Next follow-up</translation>
    </message>
    <message>
        <source>Tang vật, phương tiện (mỗi dòng một thứ)</source>
        <translation>Items and vehicles (one per line)</translation>
    </message>
    <message>
        <source>Cách xử lý tang vật</source>
        <translation>What happens to the items</translation>
    </message>
    <message>
        <source>Số quyết định</source>
        <translation>Decision no.</translation>
    </message>
    <message>
        <source>Hình thức xử phạt</source>
        <translation>Sanction</translation>
    </message>
    <message>
        <source>Số tiền phạt (đồng)</source>
        <translation>Fine (VND)</translation>
    </message>
    <message>
        <source>Hình thức bổ sung, biện pháp khắc phục</source>
        <translation>Additional sanctions, remedies</translation>
    </message>
    <message>
        <source>Số biên lai</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Hạn</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Tiếp nhận tố giác, tin báo về tội phạm</source>
        <translation>Receive a crime report</translation>
    </message>
    <message>
        <source>Tiếp nhận đơn</source>
        <translation>Receive a petition</translation>
    </message>
    <message>
        <source>Vụ việc hòa giải mới</source>
        <translation>New mediation case</translation>
    </message>
    <message>
        <source>Lập biên bản vi phạm hành chính</source>
        <translation>Record an administrative violation</translation>
    </message>
    <message>
        <source>Người tố giác từ chối cung cấp thông tin cá nhân</source>
        <translation>The reporter declines to give personal details</translation>
    </message>
    <message>
        <source>Họ tên người tố giác, báo tin</source>
        <translation>Reporter&apos;s name</translation>
    </message>
    <message>
        <source>Số định danh cá nhân</source>
        <translation>Personal ID number</translation>
    </message>
    <message>
        <source>Số điện thoại</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Cơ quan, tổ chức báo tin</source>
        <translation>Reporting agency or organisation</translation>
    </message>
    <message>
        <source>Nội dung tố giác, tin báo</source>
        <translation>What is reported</translation>
    </message>
    <message>
        <source>Nơi xảy ra</source>
        <translation>Where it happened</translation>
    </message>
    <message>
        <source>Dấu hiệu tội phạm (sơ bộ)</source>
        <translation>Suspected offence (preliminary)</translation>
    </message>
    <message>
        <source>Khẩn cấp (chuyển trong 24 giờ)</source>
        <translation>Urgent (transfer within 24 hours)</translation>
    </message>
    <message>
        <source>Xã vùng sâu, vùng xa, miền núi, hải đảo (48 giờ) — theo phân loại của Công an tỉnh</source>
        <translation>Remote, mountain or island commune (48 hours) — as the province classifies it</translation>
    </message>
    <message>
        <source>Người bị tố giác, bị hại, người làm chứng</source>
        <translation>Accused, victims, witnesses</translation>
    </message>
    <message>
        <source>Họ tên người gửi đơn</source>
        <translation>Petitioner&apos;s name</translation>
    </message>
    <message>
        <source>Trích yếu</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Nội dung đơn</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>Người bị tố cáo, khiếu nại; người liên quan</source>
        <translation>Persons denounced or complained about; others involved</translation>
    </message>
    <message>
        <source>Cơ quan, người đề nghị</source>
        <translation>Referred by</translation>
    </message>
    <message>
        <source>Các bên</source>
        <translation>Parties</translation>
    </message>
    <message>
        <source>Nội dung vụ việc</source>
        <translation>What the case is about</translation>
    </message>
    <message>
        <source>Người/tổ chức vi phạm</source>
        <translation>Violator</translation>
    </message>
    <message>
        <source>Nơi cư trú/trụ sở</source>
        <translation>Residence / office</translation>
    </message>
    <message>
        <source>Nơi vi phạm</source>
        <translation>Place of violation</translation>
    </message>
    <message>
        <source>Hành vi vi phạm</source>
        <translation>Violation</translation>
    </message>
    <message>
        <source>Quy định tại</source>
        <translation>Provision violated</translation>
    </message>
    <message>
        <source>Số biên bản</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Tang vật, phương tiện tạm giữ (mỗi dòng một thứ)</source>
        <translation>Items and vehicles held (one per line)</translation>
    </message>
    <message>
        <source>Loại tin</source>
        <translation>Kind of report</translation>
    </message>
    <message>
        <source>Hình thức tiếp nhận</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Thời điểm tiếp nhận</source>
        <translation>Time received</translation>
    </message>
    <message>
        <source>Loại đơn</source>
        <translation>Type of petition</translation>
    </message>
    <message>
        <source>Căn cứ hòa giải</source>
        <translation>Trigger</translation>
    </message>
    <message>
        <source>Loại vụ việc</source>
        <translation>Kind of dispute</translation>
    </message>
    <message>
        <source>Loại đối tượng</source>
        <translation>Violator type</translation>
    </message>
    <message>
        <source>Thời điểm vi phạm</source>
        <translation>Time of violation</translation>
    </message>
    <message>
        <source>Thời điểm lập biên bản</source>
        <translation>Time recorded</translation>
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
        <source>Vi phạm hành chính</source>
        <translation>Administrative violations</translation>
    </message>
    <message>
        <source>Tiếp nhận tố giác, tin báo</source>
        <translation>Receive a crime report</translation>
    </message>
    <message>
        <source>Lập biên bản vi phạm</source>
        <translation>Record a violation</translation>
    </message>
    <message>
        <source>Đang xử lý</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Quá hạn</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>Tất cả</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Trạng thái</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Còn lại</source>
        <translation>Left</translation>
    </message>
    <message>
        <source>Lập biên bản</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>Người vi phạm</source>
        <translation>Violator</translation>
    </message>
    <message>
        <source>Hành vi</source>
        <translation>Violation</translation>
    </message>
    <message>
        <source>Giấu tên</source>
        <translation>Anonymous</translation>
    </message>
    <message>
        <source>Thường</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Số thụ lý</source>
        <translation>Register no.</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Mức độ</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>Người tố giác, báo tin</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <source>Nội dung</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>Người gửi đơn</source>
        <translation>Petitioner</translation>
    </message>
    <message>
        <source>Số vụ việc</source>
        <translation>Case no.</translation>
    </message>
    <message>
        <source>Theo dõi</source>
        <translation>Follow-up</translation>
    </message>
</context>
<context>
    <name>Sections</name>
    <message>
        <source>Tố giác, tin báo</source>
        <translation>Crime reports</translation>
    </message>
</context>
</TS>
