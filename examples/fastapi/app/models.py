"""The service's SQLAlchemy models. The schema they read is made by the migrations in
../migrations, applied by strata at start-up; nothing here creates a table."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, func
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class RunbookExecution(Base):
    __tablename__ = "runbook_executions"
    __table_args__ = (Index("idx_runbook_executions_runbook", "runbook", "runbook_version"),)

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    runbook = Column(String(255), nullable=False)
    runbook_version = Column(Integer, nullable=False)  # the column of the incident
    status = Column(String(16), nullable=False, server_default="pending")
    started_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
