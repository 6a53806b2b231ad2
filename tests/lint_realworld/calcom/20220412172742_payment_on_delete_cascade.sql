-- source: https://github.com/calcom/cal.com/blob/f4c3cea4d30825bebd8af3af41793d50b4cdf7a9/packages/prisma/migrations/20220412172742_payment_on_delete_cascade/migration.sql

-- DropForeignKey
ALTER TABLE "Payment" DROP CONSTRAINT "Payment_bookingId_fkey";

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_bookingId_fkey" FOREIGN KEY ("bookingId") REFERENCES "Booking"("id") ON DELETE CASCADE ON UPDATE CASCADE;
