<?php
// GENERATED CODE -- DO NOT EDIT!

namespace Ilios\V1;

/**
 * Reports what conversions cost. Money is exact: micro-dollars
 * (1 USD = 1,000,000) and whole cents, never floating point.
 */
class UsageServiceClient extends \Grpc\BaseStub {

    /**
     * @param string $hostname hostname
     * @param array $opts channel options
     * @param \Grpc\Channel $channel (optional) re-use channel object
     */
    public function __construct($hostname, $opts, $channel = null) {
        parent::__construct($hostname, $opts, $channel);
    }

    /**
     * Totals over a time range.
     * @param \Ilios\V1\GetUsageSummaryRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetUsageSummary(\Ilios\V1\GetUsageSummaryRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.UsageService/GetUsageSummary',
        $argument,
        ['\Ilios\V1\GetUsageSummaryResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Totals grouped by day, engine and API key.
     * @param \Ilios\V1\GetUsageBreakdownRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetUsageBreakdown(\Ilios\V1\GetUsageBreakdownRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.UsageService/GetUsageBreakdown',
        $argument,
        ['\Ilios\V1\GetUsageBreakdownResponse', 'decode'],
        $metadata, $options);
    }

}
